-- The change feed's trigger function, for triggers on the customer's tables (feed install): it runs with the rights of
-- the server's role (security definer), so whoever writes those tables needs no right on this schema, and with this
-- schema alone as its search path, so no table of theirs is taken for profile_change.
-- Argument: the table's column holding the profile key (a whole number); none: any change may change anything.
create or replace function profile_changed() returns trigger language plpgsql security definer
set search_path = ${flyway:defaultSchema}, pg_temp as $$
begin
    if tg_op = 'TRUNCATE' or tg_nargs = 0 then
        insert into profile_change (profile_id) values (null);
    elsif tg_op = 'INSERT' then
        execute format('insert into profile_change (profile_id) select %I from new_rows', tg_argv[0]);
    elsif tg_op = 'DELETE' then
        execute format('insert into profile_change (profile_id) select %I from old_rows', tg_argv[0]);
    else
        execute format('insert into profile_change (profile_id) select %1$I from new_rows union select %1$I from old_rows', tg_argv[0]);
    end if;
    return null;
end $$;
