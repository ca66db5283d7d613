-- Data quality: rows sent with a value changed or left out (adjusted), rows not sent for want of consent, the SMS
-- number each row of a batch carried (to find the ones Brevo gave to another contact), and such numbers per profile.
alter table export_run
    add column rows_adjusted        bigint not null default 0,
    add column rows_without_consent bigint not null default 0;
alter table export_batch
    add column phones text[] not null default '{}';
alter table sync_state
    add column sms_conflict text;
