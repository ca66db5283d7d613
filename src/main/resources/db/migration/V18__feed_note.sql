-- how a run compared: what the change feed named, or why every profile (a source without a feed, a table without its
-- triggers, a first run...), shown in its report
alter table export_run add column feed text;
