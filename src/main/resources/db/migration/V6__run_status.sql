-- A run's status is derived from data, never from the wording of a message: whether it was canceled, why the run
-- itself failed (its query, the database), and for each failed row whether Brevo refused it for good (a 4xx other
-- than 429: retrying will not help until something is fixed).
alter table export_run
    add column canceled  boolean not null default false,
    add column failure   text;
alter table export_row add column permanent boolean not null default false;
