-- Departments as data (IT, HR, Facilities, Finance, …): each owns its groups, and through
-- them its services and records. A confidential department's records are read only by the
-- members of its groups and by their callers (service::scope).
--
-- Groups keep the department as the text the API has always taken (`"department": "HR"`);
-- the database finds or creates the department that text names (by its key: lower case,
-- runs of other characters as one dash) and keeps `department_id` and the canonical name,
-- so every path that writes a group, the API, the demo's COPY or a test's INSERT, agrees.
create table departments (
    id           uuid        primary key,
    key          text        not null,
    name         text        not null,
    confidential boolean     not null default false,
    created_at   timestamptz not null default now(),
    updated_at   timestamptz not null default now(),
    constraint departments_key_key unique (key),
    constraint departments_key_check check (key ~ '^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$'),
    constraint departments_name_check check (length(btrim(name)) between 1 and 100)
);

create function department_key(name text) returns text language sql immutable as $$
    select coalesce(nullif(left(btrim(regexp_replace(lower(btrim(name)), '[^a-z0-9]+', '-', 'g'), '-'), 64), ''), 'department')
$$;

insert into departments (id, key, name)
select gen_random_uuid(), department_key(department), min(btrim(department))
from groups
group by department_key(department);

alter table groups add column department_id uuid
    constraint groups_department_id_fkey references departments (id);

update groups g set department_id = d.id, department = d.name
from departments d where d.key = department_key(g.department);

alter table groups alter column department_id set not null;

create function group_department() returns trigger language plpgsql as $$
declare
    found departments%rowtype;
begin
    -- A department's rename reaching its groups (below) keeps them where they are.
    if tg_op = 'UPDATE' and exists (
        select 1 from departments where id = new.department_id and name = new.department
    ) then
        return new;
    end if;
    insert into departments (id, key, name)
    values (gen_random_uuid(), department_key(new.department), btrim(new.department))
    on conflict (key) do nothing;
    select * into found from departments where key = department_key(new.department);
    new.department_id := found.id;
    new.department := found.name;
    return new;
end $$;

create trigger groups_department before insert or update of department on groups
    for each row execute function group_department();

-- A department's new name reaches its groups' text.
create function department_renamed() returns trigger language plpgsql as $$
begin
    update groups set department = new.name where department_id = new.id and department <> new.name;
    return null;
end $$;

create trigger departments_renamed after update of name on departments
    for each row execute function department_renamed();

create trigger departments_reference_changed after insert or update or delete or truncate on departments
    for each statement execute function leitstand_reference_changed();

-- The department a record belongs to: its service's (through the owner group), else its
-- assignment group's, else none. Kept by the database on every write of either column, by
-- every path (the service layer, the demo's COPY, a test's INSERT). A record keeps the
-- department of its last write: moving a group to another department moves no records.
alter table incidents add column department_id uuid
    constraint incidents_department_id_fkey references departments (id);
alter table problems add column department_id uuid
    constraint problems_department_id_fkey references departments (id);

create function record_department() returns trigger language plpgsql as $$
begin
    new.department_id := coalesce(
        (select g.department_id from services s join groups g on g.id = s.owner_group_id
         where s.id = new.service_id),
        (select g.department_id from groups g where g.id = new.assignment_group_id));
    return new;
end $$;

create trigger incidents_department before insert or update of service_id, assignment_group_id
    on incidents for each row execute function record_department();
create trigger problems_department before insert or update of service_id, assignment_group_id
    on problems for each row execute function record_department();

update incidents i set department_id = d.department_id
from (select i2.id, coalesce(sg.department_id, g.department_id) as department_id
      from incidents i2
      left join services s on s.id = i2.service_id
      left join groups sg on sg.id = s.owner_group_id
      left join groups g on g.id = i2.assignment_group_id) d
where d.id = i.id and d.department_id is not null;
update problems p set department_id = coalesce(sg.department_id, g.department_id)
from problems p2
left join services s on s.id = p2.service_id
left join groups sg on sg.id = s.owner_group_id
left join groups g on g.id = p2.assignment_group_id
where p2.id = p.id and coalesce(sg.department_id, g.department_id) is not null;
