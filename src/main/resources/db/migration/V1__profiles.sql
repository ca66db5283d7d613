-- Up to 2026-12 this created the demo's profile, segment and segment_member here. The customer's tables are theirs
-- (docs/your-database.md): the demo creates its own (DemoData); an installation that has them keeps them in public.
select 1;
