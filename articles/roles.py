"""The names of the roles that migration 0002 creates."""

EDITORS = "编辑"
LEADERS = "领导"
