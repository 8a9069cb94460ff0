-- The week-tagged index takes the old one's name and its finer statistics (migration 3).
alter index incidents_search_week_idx rename to incidents_search_idx;
alter index incidents_search_idx alter column 1 set statistics 1000;
