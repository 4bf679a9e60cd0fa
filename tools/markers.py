"""How the notebooks mark their exercises: solution regions, cell tags and
exercise titles. The tools that read the notebooks import them from here."""

import re

# a solution region of a code cell: these two lines, alone on their lines
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
# cell tags: an exercise's statement, its self-check, an instructor answer
EXERCISE_TAG, CHECK_TAG, INSTRUCTOR_TAG = "exercise", "check", "instructor"
# an exercise statement starts "**3. Its title.**" or "**3. Its title**"
EXERCISE_TITLE = re.compile(r"\*\*(\d+)\. (.+?)\.?\*\*")


def tags(cell) -> list[str]:
    """The tags of a notebook cell (none: an empty list)."""
    return cell.get("metadata", {}).get("tags", [])
