-- Every change to reference data (groups and their members, services, SLA calendars and
-- policies) is announced on the `leitstand_reference` channel when it commits, from the
-- database itself, so that each server process drops the copy it keeps in memory
-- (`store::reference`), whichever path made the change. One notification per statement (and
-- PostgreSQL folds equal ones within a transaction): a bulk load costs one.
create function leitstand_reference_changed() returns trigger language plpgsql as $$
begin
    perform pg_notify('leitstand_reference', tg_table_name);
    return null;
end $$;

create trigger groups_reference_changed after insert or update or delete or truncate on groups
    for each statement execute function leitstand_reference_changed();
create trigger group_members_reference_changed after insert or update or delete or truncate on group_members
    for each statement execute function leitstand_reference_changed();
create trigger services_reference_changed after insert or update or delete or truncate on services
    for each statement execute function leitstand_reference_changed();
create trigger sla_calendars_reference_changed after insert or update or delete or truncate on sla_calendars
    for each statement execute function leitstand_reference_changed();
create trigger sla_policies_reference_changed after insert or update or delete or truncate on sla_policies
    for each statement execute function leitstand_reference_changed();
