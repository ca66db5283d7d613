-- The state of each export's alert rules (observe.Alerts): an alert is sent when a rule starts or stops firing,
-- once, whichever node sees it first (the upsert that changes the state is the one that sends).
create table alert_state (
    export_id text        not null,
    rule      text        not null,
    firing    boolean     not null,
    since     timestamptz not null default now(),
    message   text,
    primary key (export_id, rule)
);
