"""Run by tests/ofd/test_readers.py with a Python that has easyofd (EASYOFD_PYTHON): what easyofd reads in an OFD.

Prints JSON: per page, the text of its text objects in order and the red paths' boxes (mm); and writes
easyofd's own drawing of the package (its to_pdf) to the path given second.
"""

import json
import logging
import sys

logging.disable(logging.CRITICAL)

from reportlab import rl_config  # noqa: E402

# For a font it has not registered, reportlab parses every AFM file on its search path, once per glyph easyofd
# draws (reportlab's own 18 files: 2,000 glyphs took a minute). None of them is a font of ours: search none.
rl_config.T1SearchPath = ()

from easyofd import OFD  # noqa: E402

reader = OFD()
with open(sys.argv[1], "rb") as fh:
    reader.read(fh.read(), fmt="binary")
document = reader.data[0]
pages = []
for number in sorted(document["page_info"]):
    page = document["page_info"][number]
    pages.append({
        "text": "".join(text["text"] for text in page.get("text_list") or []),
        "red": [line["pos"] for line in page.get("line_list") or [] if line.get("FillColor") == ["230", "0", "18"]],
    })
with open(sys.argv[2], "wb") as fh:
    fh.write(reader.to_pdf())
# easyofd prints as it reads: the answer is the last line.
print("\n" + json.dumps({"pages": pages}, ensure_ascii=False))
