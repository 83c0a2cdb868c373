"""Every diagnostic code: its title, what it means and how to fix it. The codes are stable (scripts
and CI annotations rely on them); site_src/diagnostics.md documents each, and a test keeps the two
in step. SARIF output uses the help texts as rule descriptions."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    title: str
    help: str
    severity: str = "error"  # the usual severity; a few codes are warnings in drafts only


CODES: dict[str, Code] = {
    "R001": Code("file is not UTF-8 text", "Save the file as UTF-8 text; stories and priority lists are never binary."),
    "R002": Code(
        "no front-matter, or front-matter not closed",
        "Start the story with a line '---', then the YAML keys, then another line '---', then the text.",
    ),
    "R003": Code("YAML syntax error", "Fix the YAML at the line given; the message says what YAML read there and what to write."),
    "R004": Code("duplicate key", "YAML silently keeps only one of two equal keys: remove or merge one of them."),
    "R005": Code(
        "file too large, or too broken to list every problem",
        "Keep a story under 1 MB (split it, or keep large material as attachments); a file with hundreds of problems lists the first 200.",
    ),
    "R006": Code(
        "YAML too deep, anchors, aliases or merge keys",
        "Write plain keys and values: anchors (&), aliases (*) and merge keys (<<) can blow up the file when read, "
        "and nesting deeper than 32 levels is refused.",
    ),
    "R007": Code("file name is not a valid id", "Name the file after the story: lowercase letters, digits and hyphens, ending in .md."),
    "R008": Code(
        "file in an input folder that is not an input",
        "Only stories (.md), their attachment folders and priority lists (.yaml) belong in the input folders: move the file out.",
    ),
    "R009": Code(
        "YAML comment cut a value short",
        "An unquoted value ends at ' #': YAML reads the rest of the line as a comment. Quote the value if the '#' belongs to it.",
        "warning",
    ),
    "R010": Code(
        "symbolic link out of the repository, or a loop",
        "Input files are read only inside the repository: replace the link with the file itself.",
    ),
    "R011": Code(
        "reserved file name",
        "The name is taken by a page the site generates (such as the list of all stories): rename the file.",
    ),
    "R101": Code("unknown key", "Remove the key or fix its spelling; the message lists the valid keys."),
    "R102": Code("missing required key", "Add the key; some keys are required only from a status on (the message says which)."),
    "R103": Code("wrong type", "Write the value with the type the message names (text, a list, a mapping, a whole number)."),
    "R104": Code(
        "value YAML reads as a number, boolean, date or null",
        "Put the value in quotes: YAML reads 2025.10 as 2025.1, yes and no as booleans, and dates as dates.",
    ),
    "R105": Code("value not among the allowed ones", "Use one of the values the message lists."),
    "R106": Code("number out of range", "Use a whole number within the range the message gives."),
    "R107": Code("value in the wrong format", "Write the value in the format the message shows."),
    "R108": Code("empty value", "Write a value, or remove the key."),
    "R109": Code("URL scheme is not http or https", "Link to a web page: the URL must start with https:// or http://."),
    "R110": Code(
        "placeholder text left in the story",
        "Replace what the scaffold wrote (TODO, '...', the example author, an empty gap) and words like TBD, TODO, N/A or XXX "
        "with the real text: an error once a story is proposed, a warning in a draft.",
    ),
    "R201": Code("unknown project", "Name a project that has a file in the priorities folder, or add that file."),
    "R202": Code("unknown priority item", "Name an item of the project's list for the story's target release; the message lists them."),
    "R203": Code("unknown liaison", "Name one of the project's liaisons, as listed in its priority file."),
    "R204": Code("unknown persona", "Use one of the personas the site configuration lists."),
    "R205": Code("unknown release", "Use one of the releases the site configuration lists, in quotes."),
    "R206": Code("unknown related story", "Name related stories by id: the file name without .md."),
    "R207": Code("story related to itself", "Remove the story's own id from 'related'."),
    "R208": Code("ref used by another story", "Choose three other capital letters; the message proposes a free ref."),
    "R209": Code(
        "missing score for a criterion",
        "Score the story from 0 to 5 on every criterion under 'weights' (required once accepted; until then a story "
        "without every score is listed as unscored).",
    ),
    "R210": Code("unknown criterion", "Use the criteria the site configuration lists."),
    "R211": Code("dependency cycle", "Stories cannot depend on each other in a circle: remove one 'depends_on' entry of the cycle."),
    "R212": Code(
        "superseded story still open", "A story another one supersedes is no longer pursued: set its status to 'parked' or 'rejected'."
    ),
    "R213": Code(
        "near-duplicate story",
        "Two stories have nearly the same title or problem statement: merge them, or say how they differ and relate them.",
        "warning",
    ),
    "R301": Code("missing required section", "Add the section with a level-2 heading ('## Title') and its text."),
    "R302": Code("section has no content", "Write the section; 'None.' is not enough once a story is proposed."),
    "R303": Code("use case without a valid ID", "Start each use case with the story's ref and three digits, e.g. RUP001."),
    "R304": Code("duplicate use-case ID", "Give each use case its own ID."),
    "R305": Code("acceptance criterion names an unknown use case", "Name use-case IDs of this story in each acceptance criterion."),
    "R306": Code("use case not covered by any acceptance criterion", "Name the use case in at least one acceptance criterion."),
    "R307": Code(
        "script or active content in a story body",
        "Stories are prose: remove scripts, frames, forms, event handlers and javascript: or data: links "
        "(to show code, put it in a code block).",
    ),
    "R308": Code("acceptance criterion names no use case", "Name the use-case IDs each acceptance criterion covers, e.g. (RUP001)."),
    "R309": Code(
        "section heading not as expected",
        "Write the heading exactly as the formats page lists it: level 2 ('## '), same words and case.",
        "warning",
    ),
    "R310": Code(
        "story body loads something from another host",
        "The site makes no request to another host: keep images and diagrams beside the story, or link to them instead.",
    ),
    "R311": Code(
        "story text cannot be converted",
        "The Markdown at that line breaks the converter: rewrite it (an unclosed HTML declaration, '<!' followed by '[', is the usual cause).",
    ),
    "R501": Code(
        "unknown story in a team's answer or a weighing", "Name stories by id: the file name without .md; the message gives the nearest."
    ),
    "R502": Code(
        "story weighed for a release it does not target",
        "A weighing counts for the story's target release only: move the scores to that release's folder.",
        "warning",
    ),
    "R503": Code(
        "answer or backing for a project the story does not ask",
        "A team can answer, and an organisation can offer people for, only the projects a story lists under 'projects'.",
    ),
    "R504": Code(
        "weighing without every criterion",
        "Score each story on every criterion; a criterion left out does not count in the group score.",
        "warning",
    ),
    "R505": Code("contradictory answers", "A team either serves a story with an item or declines it: keep one answer."),
    "R312": Code(
        "raw HTML that hides the text after it",
        "An HTML declaration, processing instruction or unclosed comment makes the browser drop what follows: "
        "put it in a code span, or write '&lt;' for '<'.",
    ),
    "R313": Code(
        "Markdown the site shows otherwise than GitHub",
        "GitHub's preview and the site render this construct differently: write it the portable way the message gives.",
        "warning",
    ),
    "R601": Code(
        "attachment the site does not serve",
        "Keep PNG, JPEG, GIF, WebP, SVG or PDF files in the story's folder, named with letters, digits, '.', '-' and '_', "
        "each holding what its name says.",
    ),
    "R602": Code(
        "attachment over the size limit",
        "Make the file smaller (a lower resolution, or SVG for diagrams), or raise 'attachment_max_kb' in the site's configuration.",
    ),
    "R603": Code(
        "attachment with active content",
        "An SVG may only draw, and a PDF only show pages: remove script, event handlers, foreignObject, animation, DOCTYPE "
        "and references to other files; export the PDF again without JavaScript, forms or embedded files.",
    ),
    "R604": Code(
        "link or attachment outside the story's folder",
        "Keep a story's files in the folder named after it (stories/<id>/), link them as '<id>/<file>', "
        "and replace symbolic links with the files themselves.",
    ),
    "R605": Code(
        "link or image to a file that does not exist",
        "Put the file in the story's folder, or fix the link: relative links reach the story's own files and other stories (other-id.md).",
    ),
    "R401": Code("priority file's project does not match its file name", "Make 'project' equal to the file name, or rename the file."),
    "R402": Code("duplicate priority item id", "Give each item of a release its own id."),
    "R403": Code("duplicate liaison", "List each liaison once."),
}


def title(code: str) -> str:
    """Return the short title of a code, or the code itself when it is unknown."""
    found = CODES.get(code)
    return found.title if found else code
