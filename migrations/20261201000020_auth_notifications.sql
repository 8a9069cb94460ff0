-- Every change to who a token acts as (the user's role, groups, activity or password, a token
-- revoked or deleted) is announced on the `leitstand_auth` channel with the user's id, from
-- the database itself, so that each server process drops what it cached for that user the
-- moment the change commits, whichever path made it.
create function leitstand_auth_changed() returns trigger language plpgsql as $$
begin
    perform pg_notify('leitstand_auth', coalesce(new.user_id, old.user_id)::text);
    return null;
end $$;

create function leitstand_user_changed() returns trigger language plpgsql as $$
begin
    perform pg_notify('leitstand_auth', coalesce(new.id, old.id)::text);
    return null;
end $$;

create trigger users_auth_changed after update or delete on users
    for each row execute function leitstand_user_changed();
create trigger api_tokens_auth_changed after update of revoked_at or delete on api_tokens
    for each row execute function leitstand_auth_changed();
create trigger group_members_auth_changed after insert or update or delete on group_members
    for each row execute function leitstand_auth_changed();
