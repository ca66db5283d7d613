-- Unified customer profiles and segment membership: the default source of exports.
-- An export may read any other table or view instead (its `query` parameter).
create table profile (
    id          bigint primary key,
    email       text,
    first_name  text,
    last_name   text,
    phone       text,
    country     text,
    city        text,
    birth_date  date,
    consent     boolean not null default false,
    updated_at  timestamptz not null default now()
);

create table segment (
    id    serial primary key,
    name  text not null unique
);

create table segment_member (
    segment_id  int    not null references segment (id) on delete cascade,
    profile_id  bigint not null references profile (id) on delete cascade,
    primary key (segment_id, profile_id)
);
create index segment_member_profile on segment_member (profile_id);
