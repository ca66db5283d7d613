-- how a run compared: what the change feed named, or why every profile (a source without a feed, a table without its
-- triggers, a first run...), shown in its report
alter table export_run add column feed text;
-- the consent policy the run ran under (a consent column, or not required and why), shown in its report
alter table export_run add column consent text;
