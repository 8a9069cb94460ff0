-- Callers: people who ask for help and read only the incidents they are the caller of.
alter table users drop constraint users_role_check;
alter table users add constraint users_role_check
    check (role in ('caller', 'viewer', 'agent', 'problem_manager', 'admin'));

-- A caller's own incidents, newest first.
create index incidents_caller_updated_idx on incidents (caller_id, updated_at desc, id desc)
    where caller_id is not null;

-- Work notes are internal: they no longer go into the search index that every reader's search
-- uses. Rebuild it from the public comments of the incidents that have work notes.
update incidents i
   set comments_vector = (
           select leitstand_tsvector('C', coalesce(string_agg(j.body, ' ' order by j.id), ''))
             from journal_entries j
            where j.incident_id = i.id and j.kind = 'comment'
       )
 where exists (select 1 from journal_entries j where j.incident_id = i.id and j.kind = 'work_note');
