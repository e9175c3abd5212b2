# Drops the comments that take whole lines from a browser script as it is copied into the
# site (`make site`): phones download the code, not its explanations, which stay in
# public/. Lines that are only a `//` comment go, and `/* … */` blocks that start a line
# and end one; a comment that shares its line with code stays. A block whose end shares
# its line with code stops the build instead of guessing.
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
      print
      next
    }
    inblock = 1
    next
  }
  print
}
