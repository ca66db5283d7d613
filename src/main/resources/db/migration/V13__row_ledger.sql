-- A run's rows reach the ledger by the tens of thousands (rejections, the standing rejections a rerun records again):
-- the foreign key to export_run checked each one with a query of its own, ~0.7 s for 70,000 rows, half of such an
-- insert. Only the run that owns them writes them; the ledger's retention deletes them with their run.
alter table export_row drop constraint if exists export_row_run_id_fkey;

-- false where the run knew the row's profile had no sync state: the change feed compares again only the last run's
-- rejected rows whose profile the state holds (ChangeFeed), and finds them here instead of looking each one up
alter table export_row add column in_state boolean not null default true;
create index export_row_in_state on export_row (run_id) where in_state and outcome in ('rejected', 'no_consent');
