-- Group members[].display is kept as the client sent it and returned as sent (docs/groups.md).
-- NULL (every existing row): no display was sent; the member's current name is returned.
ALTER TABLE group_members ADD COLUMN display TEXT;
