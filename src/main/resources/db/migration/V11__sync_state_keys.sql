-- The sync state's keys compare byte by byte (collation "C"): a run writes a million of them into the primary key,
-- and the locale's comparison made that ~25 % slower. Only equality is ever asked of them, which is the same either way.
alter table sync_state
    alter column export_id type text collate "C",
    alter column profile_id type text collate "C";
