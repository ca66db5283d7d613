-- A rerun through the change feed recorded again, as its own, every rejection of the last run whose profile it did not
-- read again: on the benchmark's messy data 70,000 rows a rerun (0.5-0.6 s, most of a rerun that finds nothing
-- changed) and ~14 MB of ledger, every 15 minutes if it runs that often. The rows now stay in the run that recorded
-- them: a rerun names the comparison of every profile since which they stand (standing_from), and marks the rows whose
-- profile it read again (read_again_by).
alter table export_run add column standing_from bigint;
alter table export_row add column read_again_by bigint;
-- a rerun marks the rows of its chain by the profiles it read
create index export_row_rejection on export_row (profile_id, run_id) where outcome in ('rejected', 'no_consent');

-- The rejections of a run: its own, and those standing for it. A row stands where a complete run of its chain (the
-- comparison of every profile it starts from, and each complete run since) rejected it, and neither a later complete
-- run nor this one read its profile again. A mark of a run that did not complete counts for no other run; the next
-- run that reads the profile marks the row again.
create function run_rejections(run bigint) returns setof export_row language sql stable as $$
    select w.* from export_row w where w.run_id = run and w.outcome in ('rejected', 'no_consent')
    union all
    select w.* from export_run n
    join export_run c on c.export_id = n.export_id and (c.id = n.standing_from or c.standing_from = n.standing_from) and c.id < n.id
        and c.status like 'succeeded%'
    join export_row w on w.run_id = c.id and w.outcome in ('rejected', 'no_consent')
    where n.id = run and (w.read_again_by is null or w.read_again_by > run
        or w.read_again_by < run and not exists (select 1 from export_run k where k.id = w.read_again_by and k.status like 'succeeded%'))
      -- a run that failed after it read a profile again has its own row for it, and a later run may have marked the row
      and not exists (select 1 from export_row o where o.run_id = run and o.profile_id = w.profile_id)
$$;
