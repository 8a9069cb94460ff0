//! The demo's reference data: people with plausible German and English names, groups and
//! services of several departments, business calendars with holidays, and the SLA policies.

use std::collections::{HashMap, HashSet};

use serde_json::json;
use sqlx::{PgConnection, Postgres};

use super::catalog;
use super::life::{Group, Person, Policy, World};
use super::rng::Rng;
use super::{ADMIN, DOMAIN, PASSWORD};
use crate::store;

fn ascii(name: &str) -> String {
    let mut out = String::new();
    for c in name.to_lowercase().chars() {
        match c {
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            'é' | 'è' | 'ê' => out.push('e'),
            'á' | 'à' | 'â' => out.push('a'),
            'ó' | 'ò' | 'ô' => out.push('o'),
            'í' | 'ì' => out.push('i'),
            'ç' => out.push('c'),
            'ñ' => out.push('n'),
            'a'..='z' | '0'..='9' => out.push(c),
            _ => {}
        }
    }
    out
}

struct NewPerson {
    id: uuid::Uuid,
    email: String,
    name: String,
    role: &'static str,
    locale: &'static str,
}

fn person(rng: &mut Rng, taken: &mut HashSet<String>, role: &'static str) -> NewPerson {
    let first = *rng.pick(catalog::FIRST_NAMES);
    let last = *rng.pick(catalog::LAST_NAMES);
    let base = format!("{}.{}", ascii(first), ascii(last));
    let mut email = format!("{base}@{DOMAIN}");
    let mut n = 2;
    while !taken.insert(email.clone()) {
        email = format!("{base}{n}@{DOMAIN}");
        n += 1;
    }
    NewPerson {
        id: uuid::Builder::from_random_bytes(
            (u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64())).to_le_bytes(),
        )
        .into_uuid(),
        email,
        name: format!("{first} {last}"),
        role,
        locale: if rng.chance(0.6) { "de" } else { "en" },
    }
}

/// Groups, services, agents, callers, the administrator and the service levels: created
/// where missing, found where a previous demo run made them.
#[expect(clippy::too_many_lines, reason = "the reference data, in order")]
pub(super) async fn reference_data(
    conn: &mut PgConnection,
    seed: u64,
    anchor: i64,
    start: i64,
) -> anyhow::Result<World> {
    let mut rng = Rng::fork(seed, super::life::STREAM_PEOPLE, 0);
    let mut groups = Vec::new();
    for def in catalog::GROUPS {
        let id: uuid::Uuid = sqlx::query_scalar(
            "insert into groups (id, key, name, department) values ($1, $2, $3, $4) \
             on conflict (key) do update set key = excluded.key returning id",
        )
        .bind(uuid::Uuid::now_v7())
        .bind(def.key)
        .bind(def.name)
        .bind(def.department)
        .fetch_one(&mut *conn)
        .await?;
        groups.push(Group {
            id,
            key: def.key,
            department: def.department,
            members: Vec::new(),
        });
    }
    // HR's cases are confidential: read by HR's groups and their callers only.
    sqlx::query("update departments set confidential = true where key = 'hr'")
        .execute(&mut *conn)
        .await?;
    let mut services = Vec::new();
    for def in catalog::SERVICES {
        let owner = groups.iter().find(|g| g.key == def.owner).map(|g| g.id);
        let id: uuid::Uuid = sqlx::query_scalar(
            "insert into services (id, key, name, owner_group_id) values ($1, $2, $3, $4) \
             on conflict (key) do update set key = excluded.key returning id",
        )
        .bind(uuid::Uuid::now_v7())
        .bind(def.key)
        .bind(def.name)
        .bind(owner)
        .fetch_one(&mut *conn)
        .await?;
        services.push(id);
    }

    // People: agents per group, problem managers, callers and the administrator.
    let mut taken = HashSet::new();
    let mut people = Vec::new();
    let mut membership = Vec::new();
    for (g, def) in catalog::GROUPS.iter().enumerate() {
        for _ in 0..def.agents {
            membership.push((g, people.len()));
            people.push(person(&mut rng, &mut taken, "agent"));
        }
    }
    let it_groups: Vec<usize> = (0..groups.len())
        .filter(|g| groups[*g].department == "IT" && groups[*g].key != "service-desk")
        .collect();
    let mut managers = Vec::new();
    for m in 0..4 {
        if let Some(g) = it_groups.get(m % it_groups.len().max(1)) {
            membership.push((*g, people.len()));
        }
        managers.push(people.len());
        people.push(person(&mut rng, &mut taken, "problem_manager"));
    }
    let agent_count = people.len();
    let callers = 5_000;
    for _ in 0..callers {
        people.push(person(&mut rng, &mut taken, "caller"));
    }
    people.push(NewPerson {
        id: uuid::Uuid::now_v7(),
        email: ADMIN.to_owned(),
        name: "Demo Admin".to_owned(),
        role: "admin",
        locale: "en",
    });
    let hash = crate::service::auth::hash_password(PASSWORD.to_owned())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let emails: Vec<&str> = people.iter().map(|p| p.email.as_str()).collect();
    sqlx::query(
        "insert into users (id, email, name, role, locale, password_hash) \
         select id, email, name, role, locale, $6 from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]) \
             as p(id, email, name, role, locale) \
         on conflict (email) do nothing",
    )
    .bind(people.iter().map(|p| p.id).collect::<Vec<_>>())
    .bind(&emails)
    .bind(people.iter().map(|p| p.name.as_str()).collect::<Vec<_>>())
    .bind(people.iter().map(|p| p.role).collect::<Vec<_>>())
    .bind(people.iter().map(|p| p.locale).collect::<Vec<_>>())
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    let ids: HashMap<String, uuid::Uuid> = sqlx::query_as::<Postgres, (String, uuid::Uuid)>(
        "select email, id from users where email = any($1)",
    )
    .bind(&emails)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .collect();
    let persons: Vec<Person> = people
        .iter()
        .map(|p| Person {
            id: ids.get(&p.email).copied().unwrap_or(p.id),
            email: p.email.clone(),
            german: p.locale == "de",
        })
        .collect();
    sqlx::query(
        "insert into group_members (group_id, user_id) select * from unnest($1::uuid[], $2::uuid[]) \
         on conflict do nothing",
    )
    .bind(membership.iter().map(|(g, _)| groups[*g].id).collect::<Vec<_>>())
    .bind(membership.iter().map(|(_, p)| persons[*p].id).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await?;
    for (g, p) in &membership {
        groups[*g].members.push(*p);
    }
    let mut agents = persons;
    let mut callers = agents.split_off(agent_count);
    callers.truncate(callers.len() - 1); // the administrator calls nobody
    let desk = groups
        .iter()
        .position(|g| g.key == "service-desk")
        .unwrap_or(0);

    service_levels(conn, &groups).await?;
    Ok(World {
        seed,
        anchor,
        start,
        groups,
        services,
        agents,
        callers,
        problem_managers: managers,
        desk,
        policies: Vec::new(),
        policy_by_service: HashMap::new(),
        policy_by_group: HashMap::new(),
        default_policy: None,
        changes: super::life::ProcessChanges::before(anchor),
    })
}

/// German public holidays of 2025 to 2027.
const HOLIDAYS: &[(&str, &str)] = &[
    ("2025-01-01", "Neujahr"),
    ("2025-04-18", "Karfreitag"),
    ("2025-04-21", "Ostermontag"),
    ("2025-05-01", "Tag der Arbeit"),
    ("2025-05-29", "Christi Himmelfahrt"),
    ("2025-06-09", "Pfingstmontag"),
    ("2025-10-03", "Tag der Deutschen Einheit"),
    ("2025-12-25", "1. Weihnachtstag"),
    ("2025-12-26", "2. Weihnachtstag"),
    ("2026-01-01", "Neujahr"),
    ("2026-04-03", "Karfreitag"),
    ("2026-04-06", "Ostermontag"),
    ("2026-05-01", "Tag der Arbeit"),
    ("2026-05-14", "Christi Himmelfahrt"),
    ("2026-05-25", "Pfingstmontag"),
    ("2026-10-03", "Tag der Deutschen Einheit"),
    ("2026-12-25", "1. Weihnachtstag"),
    ("2026-12-26", "2. Weihnachtstag"),
    ("2027-01-01", "Neujahr"),
    ("2027-03-26", "Karfreitag"),
    ("2027-03-29", "Ostermontag"),
    ("2027-05-01", "Tag der Arbeit"),
    ("2027-05-06", "Christi Himmelfahrt"),
    ("2027-05-17", "Pfingstmontag"),
    ("2027-10-03", "Tag der Deutschen Einheit"),
    ("2027-12-25", "1. Weihnachtstag"),
    ("2027-12-26", "2. Weihnachtstag"),
];

/// An office-hours calendar, a 24x7 default policy and office-hours policies for HR and
/// Facilities; existing ones are kept.
pub(super) async fn service_levels(
    conn: &mut PgConnection,
    groups: &[Group],
) -> anyhow::Result<()> {
    let day = json!([["08:00", "17:00"]]);
    let week = json!([day, day, day, day, day, [], []]);
    let holidays: Vec<_> = HOLIDAYS
        .iter()
        .map(|(date, name)| json!({"date": date, "name": name}))
        .collect();
    sqlx::query(
        "insert into sla_calendars (id, key, name, time_zone, week, holidays) values ($1, 'office-berlin', \
         'Office hours Berlin (Mon–Fri 8–17)', 'Europe/Berlin', $2, $3) on conflict (key) do nothing",
    )
    .bind(uuid::Uuid::now_v7())
    .bind(week)
    .bind(json!(holidays))
    .execute(&mut *conn)
    .await?;
    let minutes = |m: [i32; 5]| m.map(|x| x * 60).to_vec();
    sqlx::query(
        "insert into sla_policies (id, key, name, calendar_id, response_targets, resolution_targets) \
         select $1, 'standard', 'Standard (around the clock)', id, $2, $3 from sla_calendars where key = '24x7' \
         on conflict do nothing",
    )
    .bind(uuid::Uuid::now_v7())
    .bind(minutes([15, 30, 60, 240, 480]))
    .bind(minutes([240, 480, 1_440, 4_320, 7_200]))
    .execute(&mut *conn)
    .await?;
    for group in groups.iter().filter(|g| g.department != "IT") {
        sqlx::query(
            "insert into sla_policies (id, key, name, calendar_id, assignment_group_id, response_targets, resolution_targets) \
             select $1, $2, $3, id, $4, $5, $6 from sla_calendars where key = 'office-berlin' \
             on conflict do nothing",
        )
        .bind(uuid::Uuid::now_v7())
        .bind(format!("office-{}", group.key))
        .bind(format!("Office hours ({})", group.department))
        .bind(group.id)
        .bind(minutes([30, 60, 120, 240, 480]))
        .bind(minutes([240, 480, 960, 2_400, 4_800]))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The policies as stored (the demo's or older ones), for the clock of generated incidents.
pub(super) async fn load_policies(
    conn: &mut PgConnection,
    world: &mut World,
) -> anyhow::Result<()> {
    let calendars = store::sla::calendars(&mut *conn).await?;
    for row in store::sla::policies(&mut *conn).await? {
        let Some(calendar) = calendars.iter().find(|c| c.id == row.calendar_id) else {
            continue;
        };
        let calendar =
            crate::service::sla::calendar_of(calendar).map_err(|e| anyhow::anyhow!("{e}"))?;
        let index = world.policies.len();
        let (service, group) = (row.service.clone(), row.assignment_group.clone());
        world.policies.push(Policy { row, calendar });
        match (&service, &group) {
            (Some(service), _) => {
                if let Some(s) = catalog::SERVICES.iter().position(|d| d.key == service) {
                    world.policy_by_service.insert(s, index);
                }
            }
            (None, Some(group)) => {
                if let Some(g) = world.groups.iter().position(|d| d.key == group) {
                    world.policy_by_group.insert(g, index);
                }
            }
            (None, None) => world.default_policy = Some(index),
        }
    }
    Ok(())
}
