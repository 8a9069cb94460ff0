-- no-transaction
create index concurrently incidents_search_week_idx on incidents
    using gin ((doc_vector || comments_vector || leitstand_week_tag(updated_at)));
