#!/usr/bin/env bash
# Fails when a file of the project cites a document that is not in the
# repository. The project must stand on its own: every design note a reader
# needs lives in docs/, and every reference must lead to a file (and, for a
# docs/ page, a section) that exists.
#
#   scripts/check_references.sh [ROOT]      ROOT defaults to the repository root
#
# Scanned: source, tests, scripts, benchmarks, docs, CI files and the README
# (results/ and build trees are output, not text we write). Reported, one
# line each as FILE:LINE: what, then exit status 1:
#   - citations of design notes kept outside the repository: the words
#     DESIGN / DESIGN.md, "specs/<name>.md", "specs §", the spec file names
#     (tasks-chomsky.md, tasks-memory.md, style-anchors.md), and paths into
#     ../shared;
#   - "docs/<page>.md" or "docs/<page>.md#section" where the page or the
#     section (a heading of the page, GitHub's anchor rules) does not exist;
#   - in Markdown files: relative links [text](target) whose file or section
#     does not exist, and backticked repository paths (`models/layers.hpp`)
#     that do not exist.
# Exit status 0 when everything resolves.
set -euo pipefail
root=${1:-"$(cd "$(dirname "$0")/.." && pwd)"}
cd "$root"

# The scripts that must spell forbidden or broken references out to do their job:
# the check, its tests (their made-up trees) and the one-off rewrite.
skip_files=(scripts/check_references.sh scripts/test_check_references.sh)

mapfile -t files < <(
  {
    for f in README.md CMakeLists.txt test.sh run.sh; do [ -f "$f" ] && echo "$f"; done
    for d in common tasks models harness tests scripts bench docs .ci; do
      [ -d "$d" ] && find "$d" -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name '*.md' \
        -o -name '*.sh' -o -name '*.json' -o -name '*.py' -o -name '*.txt' -o -name '*.cmake' -o -name 'run' \)
    done
  } | sort -u | grep -v -x -F "${skip_files[@]/#/-e}" || true)

[ ${#files[@]} -gt 0 ] || { echo "check_references: no files to scan under $root" >&2; exit 2; }

perl -CSD -e '
use strict; use warnings; use utf8;
my @problems;
my %anchors;  # markdown file -> { slug => 1 }

sub slugs_of {
  my ($path) = @_;
  return $anchors{$path} if exists $anchors{$path};
  my %seen; my %slugs;
  if (open(my $fh, "<:encoding(UTF-8)", $path)) {
    my $fence = 0;
    while (my $line = <$fh>) {
      if ($line =~ /^\s*(```|~~~)/) { $fence = !$fence; next; }
      next if $fence;
      next unless $line =~ /^#{1,6}\s+(.*?)\s*#*\s*$/;
      my $slug = lc $1;
      $slug =~ s/\[([^\]]*)\]\([^)]*\)/$1/g;   # [text](link) -> text
      $slug =~ s/[^\w\- ]//g;                   # keep letters, digits, _, -, space
      $slug =~ s/ /-/g;
      my $n = $seen{$slug}++;
      $slugs{$n ? "$slug-$n" : $slug} = 1;
    }
    close $fh;
  }
  return $anchors{$path} = \%slugs;
}

# Checks "page" or "page#anchor" (page relative to the repository root).
sub check_target {
  my ($file, $line, $target, $what) = @_;
  my ($page, $anchor) = split /#/, $target, 2;
  if ($page ne "" && !-e $page) { push @problems, "$file:$line: $what: $target (no such file)"; return; }
  my $doc = $page eq "" ? $file : $page;
  return unless defined $anchor && $anchor ne "" && $doc =~ /\.md$/;
  push @problems, "$file:$line: $what: $target (no section \"#$anchor\" in $doc)"
    unless slugs_of($doc)->{$anchor};
}

sub normalise {   # a/b/../c -> a/c, ./a -> a
  my ($path) = @_;
  my @out;
  for my $part (split m{/}, $path) {
    next if $part eq "." || $part eq "";
    if ($part eq "..") { return undef unless @out; pop @out; next; }
    push @out, $part;
  }
  return join "/", @out;
}

my $external = qr{(?:\bDESIGN\b|\bspecs/[\w.-]+\.md|\bspecs\s+§|(?<![\w/])(?:tasks-chomsky|tasks-memory|style-anchors)\.md|\.\./shared\b|/work/shared\b)};
my $repo_dirs = qr{(?:common|tasks|models|harness|tests|scripts|bench|docs)};

for my $file (@ARGV) {
  open(my $fh, "<:encoding(UTF-8)", $file) or die "check_references: cannot read $file\n";
  my $is_md = $file =~ /\.md$/;
  my $dir = $file =~ m{^(.*)/[^/]+$} ? $1 : "";
  my $fence = 0;
  while (my $text = <$fh>) {
    my $n = $.;
    while ($text =~ /($external)/g) {
      push @problems, "$file:$n: cites a document outside the repository: \"$1\"";
    }
    # docs/page.md[#anchor] anywhere (source comments included). A relative
    # Markdown link inside docs/ is checked below instead.
    while ($text =~ m{(?<![\w./-])(docs/[\w./-]+?\.md(?:#[\w-]+)?)(?![\w/-])}g) {
      check_target($file, $n, $1, "reference");
    }
    next unless $is_md;
    $fence = !$fence if $text =~ /^\s*(```|~~~)/;
    while ($text =~ /\]\(([^)\s]+)\)/g) {     # [text](target)
      my $target = $1;
      next if $target =~ m{^(?:[a-z][a-z0-9+.-]*:|//)}i;   # http:, https:, mailto: ...
      my ($page, $anchor) = split /#/, $target, 2;
      my $resolved = $page eq "" ? "" : normalise($dir eq "" ? $page : "$dir/$page");
      if (!defined $resolved) { push @problems, "$file:$n: link leaves the repository: $target"; next; }
      check_target($file, $n, $resolved . (defined $anchor ? "#$anchor" : ""), "link");
    }
    next if $fence;
    while ($text =~ /`([^`\s]+)`/g) {          # `models/layers.hpp`
      my $path = $1;
      next unless $path =~ m{^$repo_dirs/[\w./-]+\.(?:cpp|hpp|h|md|sh|json|txt|py)$}
               || $path =~ m{^(?:README\.md|CMakeLists\.txt|test\.sh|run\.sh|\.ci/run)$};
      push @problems, "$file:$n: names a file that does not exist: $path" unless -e $path;
    }
  }
  close $fh;
}

if (@problems) {
  print STDERR "$_\n" for @problems;
  printf STDERR "check_references: %d reference(s) to missing documents or sections\n", scalar @problems;
  exit 1;
}
printf "check_references: %d files, every reference resolves\n", scalar @ARGV;
' "${files[@]}"
