-- A run's rows reach the ledger by the tens of thousands (rejections, the standing rejections a rerun records again):
-- the foreign key to export_run checked each one with a query of its own, ~0.7 s for 70,000 rows, half of such an
-- insert. Only the run that owns them writes them; the ledger's retention deletes them with their run.
alter table export_row drop constraint if exists export_row_run_id_fkey;
