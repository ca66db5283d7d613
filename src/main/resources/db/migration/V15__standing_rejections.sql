-- A rerun through the change feed recorded again, as its own, every rejection of the last run whose profile it did not
-- read again: on the benchmark's messy data 70,000 rows a rerun (0.5-0.6 s, most of a rerun that finds nothing
-- changed) and ~14 MB of ledger, every 15 minutes if it runs that often. The rows now stay in the run that recorded
-- them: a rerun names the comparison of every profile since which they stand (standing_from), and marks the rows whose
-- profile it read again (read_again_by).
alter table export_run add column standing_from bigint;
alter table export_row add column read_again_by bigint;
-- a rerun marks the rows of its chain by the profiles it read
create index export_row_rejection on export_row (profile_id, run_id) where outcome in ('rejected', 'no_consent');

-- The chain of a run: the comparison of every profile its standing rejections start from (standing_from), and each
-- complete run since, before it.
create function run_chain(run bigint) returns bigint[] language sql stable as $$
    select array(select c.id from export_run n join export_run c on c.export_id = n.export_id and c.id < n.id
        and (c.id = n.standing_from or c.standing_from = n.standing_from) and c.status like 'succeeded%' where n.id = run)
$$;

-- The rejections of a run: its own, and those standing for it. A row stands where a run of its chain rejected it, and
-- neither a later complete run nor this one read its profile again. A mark of a run that did not complete counts for
-- no other run; the next run that reads the profile marks the row again.
create function run_rejections(run bigint) returns setof export_row language sql stable as $$
    select w.* from export_row w where w.run_id = run and w.outcome in ('rejected', 'no_consent')
    union all
    -- the rows of each run of the chain by export_row_run: planned as joins, by statistics older than the run, a chain
    -- of 70,000 rows took 2.3 s
    select w.* from unnest(run_chain(run)) as c (id)
    cross join lateral (select * from export_row r where r.run_id = c.id and r.outcome in ('rejected', 'no_consent') offset 0) w
    where (w.read_again_by is null or w.read_again_by > run
        or w.read_again_by < run and not exists (select 1 from export_run k where k.id = w.read_again_by and k.status like 'succeeded%'))
      -- a run that did not complete may have rejected a profile again after it read it, and a later run marked the
      -- older row again: its own row stands instead. Looked up by profile (export_row_rejection), not by the run's rows
      -- (70,000 rows took 149 s so).
      and ((select n.status like 'succeeded%' or n.status in ('queued', 'running') from export_run n where n.id = run)
        or not exists (select 1 from export_row o where o.profile_id = w.profile_id and o.run_id + 0 = run and o.outcome in ('rejected', 'no_consent')))
$$;
