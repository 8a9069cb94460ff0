-- Text search reads its matches in time slices, newest first (issue 7). A tag for the week of
-- `updated_at` inside the search index lets GIN intersect a word with a few weeks while
-- skipping through the word's long posting list, instead of decoding all of it: a word in
-- 13% of a million incidents cost 15-26 ms before the week was cut out of it.
-- Epoch seconds do not depend on the time zone, so the function is immutable.
create function leitstand_week_tag(at timestamptz) returns tsvector
    language sql immutable parallel safe
    return array_to_tsvector(array['~w' || floor(extract(epoch from at) / 604800)::bigint::text]);
