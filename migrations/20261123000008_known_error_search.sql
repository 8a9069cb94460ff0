-- Known-error suggestions search only the open known errors: a small partial index instead of
-- filtering every problem (issue 7, measured by scripts/bench).
create index problems_open_known_error_search_idx on problems using gin (doc_vector)
    where known_error and state <> 'closed';
