-- Who may do what (access/): users with a role and personal API tokens (only their SHA-256 is kept), the governance
-- of each Brevo connection (who may use it, the data-privacy consent, an enabled switch) and an append-only audit log.
create table api_user (
    name       text primary key,
    role       text not null check (role in ('admin', 'operator', 'viewer')),
    created_at timestamptz not null default now(),
    created_by text not null
);

create table api_token (
    id         bigserial primary key,
    user_name  text not null references api_user (name) on delete cascade,
    hash       text not null unique,
    created_at timestamptz not null default now(),
    created_by text not null,
    revoked_at timestamptz,
    revoked_by text
);

-- one row per connection of brevo.connections, made at start-up: admins only, no consent, enabled
create table connection_policy (
    name                      text primary key,
    display_name              text not null,
    roles                     text not null default 'admin',
    users                     text not null default '',
    viewers_see_personal_data boolean not null default false,
    enabled                   boolean not null default true,
    consent_by                text,
    consent_at                timestamptz,
    consent_version           text,
    updated_at                timestamptz not null default now(),
    updated_by                text not null default 'start-up'
);

create table audit_log (
    id     bigserial primary key,
    at     timestamptz not null default now(),
    actor  text not null,
    action text not null,
    target text,
    status integer,
    detail text
);
create index audit_log_actor on audit_log (actor, id);

create function audit_log_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'audit_log is append-only';
end $$;
create trigger audit_log_append_only before update or delete on audit_log
    for each row execute function audit_log_append_only();

-- who started a run (a user's name, or schedule / startup), and who or what canceled it
alter table export_run add column started_by text, add column cancel_reason text;
