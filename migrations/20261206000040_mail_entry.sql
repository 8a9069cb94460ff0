-- The journal entry an inbound mail became (issue 14): the pages show the mail's quoted
-- history, split off its new words, beside that entry on request.
alter table mail_messages add column entry_id bigint constraint mail_messages_entry_fkey references journal_entries (id);
create index mail_messages_entry_idx on mail_messages (entry_id) where entry_id is not null;
