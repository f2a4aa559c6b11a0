"""A story as Markdown (``storyline story ID``)."""

from __future__ import annotations

import re
from typing import Any


def story_markdown(story: dict[str, Any]) -> str:
    """Markdown for one story's JSON (see :func:`storyline.report.data.story_json`)."""
    numbers = {a["id"]: i for i, a in enumerate(story["articles"], 1)}

    def cite(ids: list[str]) -> str:
        return "".join(f"[{numbers[i]}]" for i in ids if i in numbers)

    when = story.get("event_start") or story.get("first_published") or "date unknown"
    lines = [f"# {story['title']}", "", f"Story {story['id']} · {story['n_articles']} articles, "
             f"{story['n_sources']} independent · {when}", ""]
    if story.get("summary"):
        lines += ["## Summary", ""]
        lines += [f"- {s['text']} {cite(s['articles'])}" for s in story["summary"]]
        lines.append("")
    facts = story.get("facts") or []
    consensus = [f for f in facts if f["consensus"]]
    single = [f for f in facts if not f["consensus"]]
    if consensus:
        lines += ["## Reported by several sources", ""]
        lines += [f"- {f['text']} {cite(f['articles'])}" for f in consensus[:15]]
        lines.append("")
    if single:
        lines += ["## Reported by one source", ""]
        lines += [f"- {f['text']} {cite(f['articles'])}" for f in single[:10]]
        lines.append("")
    if story.get("conflicts"):
        lines += ["## Where sources differ", ""]
        for c in story["conflicts"]:
            values = "; ".join(f"{r['value']} {cite(r['articles'])}" for r in c["readings"])
            lines.append(f"- {c['kind']}: {values}")
        lines.append("")
    if story.get("quotes"):
        lines += ["## Who said what", ""]
        for statement in story["quotes"]:
            lines.append(f"- **{statement['speaker']}**")
            for v in statement["variants"]:
                lines.append(f"  - “{v['text']}” {cite([v['article_id']])}")
        lines.append("")
    if story.get("lineage"):
        lines += ["## Who reused whom", ""]
        for e in story["lineage"]:
            lines.append(f"- {cite([e['target_id']])} {e['verb']} {e['share']:.0%} of {cite([e['source_id']])}")
        lines.append("")
    if story.get("flags"):
        lines += ["## Quality flags", ""]
        # evidence names other articles by id; the reader knows them by their number
        ids = re.compile("|".join(re.escape(i) for i in numbers)) if numbers else None
        for f in story["flags"]:
            evidence = ids.sub(lambda m: f"[{numbers[m.group(0)]}]", f["evidence"]) if ids else f["evidence"]
            lines.append(f"- {cite([f['article_id']])} {f['kind']}: {evidence}")
        lines.append("")
    lines += ["## Articles", ""]
    for a in story["articles"]:
        copy = f" (copy of [{numbers.get(a['duplicate_of'], '?')}])" if a.get("duplicate_of") else ""
        lines.append(f"{numbers[a['id']]}. {a['title']} — {a.get('site') or '?'}, {a.get('published') or 'no date'}"
                     f"{copy} · `{a['source']}`")
    return "\n".join(lines) + "\n"
