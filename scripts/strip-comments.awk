# Drops what only people read from a browser script or style sheet as it is copied into
# the site (`make site`, `make wasm`): phones download the code, not its explanations,
# which stay in public/ and style/. Lines that are only a `//` comment go, and `/* … */`
# blocks that start a line and end one; a comment that shares its line with code stays.
# Each line's indentation goes too. Two things stop the build instead of guessing: a
# block whose end shares its line with code, and a line with an odd number of backticks
# (a template literal across lines, whose indentation would be its text).
{
  if (inblock) {
    if (index($0, "*/")) {
      inblock = 0
      if ($0 !~ /\*\/[ \t]*$/) { print FILENAME ":" FNR ": code after a comment block" > "/dev/stderr"; exit 1 }
    }
    next
  }
  if ($0 ~ /^[ \t]*\/\//) next
  if ($0 ~ /^[ \t]*\/\*/) {
    if (index($0, "*/")) {
      if ($0 ~ /\*\/[ \t]*$/) next
    } else {
      inblock = 1
      next
    }
  }
  line = $0
  if (gsub(/`/, "`", line) % 2) { print FILENAME ":" FNR ": a template literal across lines" > "/dev/stderr"; exit 1 }
  sub(/^[ \t]+/, "")
  print
}
