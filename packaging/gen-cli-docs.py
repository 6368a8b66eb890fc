#!/usr/bin/env python3
"""Man pages and bash completion generated from the built coldvault's own --help (issue 22).

The CLI (CLI11) is the one source of verbs, flags and their descriptions: this walks `coldvault --help`,
then `coldvault GROUP --help`, `coldvault GROUP VERB --help`, ... and writes
  MAN_DIR/man1/coldvault.1              global options and the list of command groups
  MAN_DIR/man1/coldvault-GROUP.1        one per top-level command (group or single verb)
  MAN_DIR/man5/coldvault-FORMAT.5       short pages for the file formats, pointing to the full docs
  COMPLETION                            a bash completion script with the whole command tree in it
so neither can drift from the code. Run at build time by cmake/Packaging.cmake.
"""
import argparse
import gzip
import os
import re
import subprocess
import sys
import tempfile

SECTIONS = ("Options:", "Subcommands:", "Positionals:")


class Node:
    def __init__(self, path, description):
        self.path = path  # e.g. ["secret", "set"]
        self.description = description
        self.usage = ""
        self.options = []  # (names, arg, description, takes_value, choices)
        self.positionals = []  # (name, arg, description)
        self.children = []


def run_help(binary, path, home):
    # A throwaway HOME and no COLDVAULT_* variables: --help must not depend on the machine it runs on.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "LC_ALL": "C"}
    r = subprocess.run([binary, *path, "--help"], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.exit(f"gen-cli-docs: `coldvault {' '.join(path)} --help` exited {r.returncode}: {r.stderr}")
    return r.stdout


def entries(lines):
    """Rows of one help section: (left, description); a long left part puts the description on the next line."""
    out = []
    for line in lines:
        if not line.strip():
            continue
        if line.startswith("  ") and not line.startswith(" " * 4):
            m = re.match(r"  (\S.*?)(?:\s{2,}(\S.*))?$", line)
            out.append([m.group(1).strip(), (m.group(2) or "").strip()])
        elif out:  # continuation: the description of the row above
            out[-1][1] = (out[-1][1] + " " + line.strip()).strip()
    return out


def parse_option(left, description):
    names_text, _, arg = left.partition(" ")
    names = [n for n in names_text.split(",") if n.startswith("-")]
    arg = arg.strip()
    first = arg.split(" ")[0] if arg else ""
    takes_value = bool(re.match(r"[A-Z]+", first)) and first not in ("REQUIRED", "Excludes:", "Needs:")
    m = re.search(r":\{([^}]*)\}", arg)
    choices = m.group(1).split(",") if m else []
    return names, arg, description, takes_value, choices


def parse(text, path):
    lines = text.splitlines()
    node = Node(path, lines[0].strip() if lines else "")
    section, rows = None, {}
    for line in lines[1:]:
        if line.startswith("Usage:"):
            node.usage = re.sub(r"^Usage: \S+", "coldvault", line).strip()
        elif line.strip() in SECTIONS and not line.startswith(" "):
            section = line.strip()
            rows[section] = []
        elif section:
            rows[section].append(line)
    for left, desc in entries(rows.get("Options:", [])):
        node.options.append(parse_option(left, desc))
    for left, desc in entries(rows.get("Positionals:", [])):
        name, _, arg = left.partition(" ")
        node.positionals.append((name, arg.strip(), desc))
    node._subs = entries(rows.get("Subcommands:", []))
    return node


def walk(binary, home, path=()):
    node = parse(run_help(binary, list(path), home), list(path))
    for name, _desc in node._subs:
        node.children.append(walk(binary, home, (*path, name)))
    return node


# ---- roff

def esc(text):
    """Roff-safe text: backslashes, hyphens as \\- (so flags render as ASCII and stay greppable)."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return re.sub(r"(?m)^([.'])", r"\\&\1", text)


def th(name, section, version):
    # No date: the page is the same for the same version, so builds are reproducible.
    return f'.TH {esc(name.upper())} {section} "" "coldvault {version}" "coldvault manual"\n'


def options_roff(options):
    out = []
    for names, arg, desc, _tv, _ch in options:
        if "--help" in names:
            continue
        out.append(".TP\n.B " + esc(", ".join(names)) + (" " + esc(arg) if arg else "") + "\n" + esc(desc or "") + "\n")
    return "".join(out)


def verb_roff(node, top):
    out = []
    if node is not top:
        out.append(f".SS {esc('coldvault ' + ' '.join(node.path))}\n{esc(node.description)}\n.PP\n")
    out.append(f".B {esc(node.usage)}\n.PP\n")
    if node.positionals:
        for name, arg, desc in node.positionals:
            out.append(f".TP\n.I {esc(name)} {esc(arg)}\n{esc(desc)}\n")
    out.append(options_roff(node.options))
    for child in node.children:
        out.append(verb_roff(child, top))
    return "".join(out)


def group_page(node, version):
    name = "coldvault-" + node.path[0]
    verbs = ", ".join(c.path[-1] for c in node.children)
    return (th(name, 1, version)
            + f".SH NAME\n{esc(name)} \\- {esc(node.description)}\n"
            + f".SH SYNOPSIS\n.B {esc(node.usage)}\n"
            + ".SH DESCRIPTION\n"
            + (f"Verbs: {esc(verbs)}.\n" if verbs else "")
            + "The global options of\n.BR coldvault (1)\n(\\-\\-home, \\-\\-pin\\-file, \\-\\-output) apply too.\n"
            + ".SH COMMANDS\n" + verb_roff(node, node)
            + ".SH SEE ALSO\n.BR coldvault (1)\n")


def root_page(root, version, formats):
    groups = "".join(f".TP\n.BR coldvault\\-{esc(c.path[0])} (1)\n{esc(c.description)}\n" for c in root.children)
    fmts = ", ".join(f".BR coldvault\\-{esc(f)} (5)" for f, _ in formats)
    return (th("coldvault", 1, version)
            + f".SH NAME\ncoldvault \\- {esc(root.description.split(': ', 1)[-1])}\n"
            + f".SH SYNOPSIS\n.B {esc(root.usage)}\n"
            + ".SH DESCRIPTION\nVerbs and flags mirror \\fBaz keyvault\\fR; output is JSON shaped like the Key Vault REST "
            + "bundles. Errors print as \\fBERROR: (Code) message\\fR on standard error; the exit codes are listed in "
            + "/usr/share/doc/coldvault/errors.md.\n"
            + ".SH OPTIONS\n" + options_roff(root.options)
            + ".SH COMMANDS\n" + groups
            + ".SH ENVIRONMENT\n.TP\n.B COLDVAULT_HOME\nThe home folder when \\-\\-home is not given.\n"
            + ".TP\n.B COLDVAULT_PIN\nThe token's user PIN when \\-\\-pin\\-file is not given (never on the command line).\n"
            + ".SH FILES\n.TP\n.I /usr/share/doc/coldvault\nThe full documentation (Markdown).\n"
            + ".TP\n.I /usr/lib/systemd/system/coldvault.service\nThe REST server as a service; settings in "
            + "/etc/coldvault/coldvault.env.\n"
            + ".SH SEE ALSO\n" + "\n".join(f".BR coldvault\\-{esc(c.path[0])} (1)," for c in root.children)
            + "\n" + fmts.replace(", ", ",\n") + "\n")


def format_page(name, doc_path, version):
    """A short section-5 page: the doc's title and opening paragraph, then where the full text is installed."""
    with open(doc_path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    title = next((l.lstrip("# ").strip() for l in lines if l.startswith("#")), name)
    para, started = [], False
    for l in lines:
        if l.startswith("#"):
            if started:
                break
            continue
        if not l.strip():
            if para:
                break
            continue
        started = True
        para.append(l.strip())
    doc = os.path.basename(doc_path)
    return (th("coldvault-" + name, 5, version)
            + f".SH NAME\ncoldvault\\-{esc(name)} \\- {esc(title)}\n"
            + f".SH DESCRIPTION\n{esc(' '.join(para))}\n.PP\n"
            + "This page is a summary. The byte layout, every field and the checks a reader makes are in\n"
            + f".I /usr/share/doc/coldvault/{esc(doc)}\n(the same text as docs/{esc(doc)} in the source).\n"
            + ".SH SEE ALSO\n.BR coldvault (1)\n")


# ---- bash completion

def completion(root):
    subs, opts, vals, choices = {}, {}, {}, {}

    def visit(n):
        key = " ".join(["coldvault", *n.path])  # bash cannot key an associative array by ""
        subs[key] = " ".join(c.path[-1] for c in n.children)
        opts[key] = " ".join(x for names, *_ in n.options for x in names)
        vals[key] = " ".join(x for names, _a, _d, tv, _c in n.options if tv for x in names)
        for names, _a, _d, tv, ch in n.options:
            for x in names:
                if ch:
                    choices[key + "|" + x] = " ".join(ch)
        for c in n.children:
            visit(c)

    visit(root)

    def table(name, d):
        rows = "".join(f'  ["{k}"]="{v}"\n' for k, v in sorted(d.items()))
        return f"declare -gA {name}=(\n{rows})\n"

    return ("# bash completion for coldvault, generated from its --help by packaging/gen-cli-docs.py: do not edit.\n"
            + table("_coldvault_subs", subs) + table("_coldvault_opts", opts) + table("_coldvault_vals", vals)
            + table("_coldvault_choices", choices) + COMPLETION_FN)


# Walks the words typed so far: a word that names a subcommand of the current path descends, the word after an
# option that takes a value is skipped. The root's options are offered at every level (the CLI falls through).
COMPLETION_FN = r'''
_coldvault() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev= path=coldvault w i skip=0
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    if ((skip)); then skip=0; continue; fi
    if [[ $w == -* ]]; then
      [[ " ${_coldvault_vals[$path]-} ${_coldvault_vals[coldvault]-} " == *" $w "* ]] && skip=1
    elif [[ " ${_coldvault_subs[$path]-} " == *" $w "* ]]; then
      path+=" $w"
    fi
  done
  if ((skip)); then
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    local ch=${_coldvault_choices[$path|$prev]:-${_coldvault_choices[coldvault|$prev]-}}
    if [[ -n $ch ]]; then
      COMPREPLY=($(compgen -W "$ch" -- "$cur"))
    else
      COMPREPLY=($(compgen -f -- "$cur"))
    fi
    return 0
  fi
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "${_coldvault_opts[$path]-} ${_coldvault_opts[coldvault]-}" -- "$cur"))
  elif [[ -n ${_coldvault_subs[$path]-} ]]; then
    COMPREPLY=($(compgen -W "${_coldvault_subs[$path]-}" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
  return 0
}
complete -F _coldvault coldvault
'''


def write(path, text, gz=False):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    if gz:  # Debian ships manuals gzipped; mtime 0 and no name inside keep it reproducible (gzip -9n)
        with open(path + ".gz", "wb") as raw, gzip.GzipFile("", "wb", 9, raw, mtime=0) as f:
            f.write(text.encode("utf-8"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--man-dir", required=True)
    ap.add_argument("--completion", required=True)
    ap.add_argument("--stamp", required=True, help="touched last, for the build system")
    ap.add_argument("--format", action="append", default=[], metavar="NAME=DOC.md",
                    help="a section-5 page coldvault-NAME(5) summarising DOC.md")
    a = ap.parse_args()
    formats = [f.split("=", 1) for f in a.format]
    with tempfile.TemporaryDirectory() as home:
        root = walk(os.path.abspath(a.bin), home)
    write(os.path.join(a.man_dir, "man1", "coldvault.1"), root_page(root, a.version, formats), gz=True)
    for g in root.children:
        write(os.path.join(a.man_dir, "man1", f"coldvault-{g.path[0]}.1"), group_page(g, a.version), gz=True)
    for name, doc in formats:
        write(os.path.join(a.man_dir, "man5", f"coldvault-{name}.5"), format_page(name, doc, a.version), gz=True)
    write(a.completion, completion(root))
    with open(a.stamp, "w") as f:
        f.write("")


if __name__ == "__main__":
    main()
