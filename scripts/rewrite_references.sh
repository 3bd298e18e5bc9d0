#!/usr/bin/env bash
# One-off migration: rewrites every citation of the old design notes, which
# never lived in this repository ("DESIGN §N", "specs/<name>.md §N",
# "specs §N", "tasks-chomsky.md §N"), into a reference to the docs/ page and
# section that now hold the same content, e.g.
#
#   (specs/tasks-chomsky.md §3.5)  ->  (docs/tasks.md#stack_manipulation)
#   Hook 3 only. (DESIGN §2)       ->  (docs/encodings.md#bidirectional-attention)   in models/
#
# A citation inside a plugin's own file (models/encodings/<name>.cpp,
# tasks/<family>/<name>.cpp) points to that plugin's section of the catalogue;
# elsewhere the section number decides, and for "DESIGN §2" (which mixed task,
# encoding and scoring rules) the folder and the words of the line decide.
#
#   scripts/rewrite_references.sh [ROOT]     edits files in place, prints what it changed
#
# Run it once, then scripts/check_references.sh must pass. Running it again
# changes nothing. Not part of the test run: it edits the tree.
set -euo pipefail
root=${1:-"$(cd "$(dirname "$0")/.." && pwd)"}
cd "$root"

mapfile -t files < <(
  {
    for f in README.md CMakeLists.txt; do [ -f "$f" ] && echo "$f"; done
    for d in common tasks models harness tests bench; do
      [ -d "$d" ] && find "$d" -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name '*.md' \
        -o -name '*.json' -o -name '*.py' \)
    done
  } | sort -u)

perl -CSD -e '
use strict; use warnings; use utf8;

# Section numbers of the old notes -> docs/ targets.
my %chomsky_task = (
  "3.1" => "even_pairs", "3.2" => "modular_arithmetic", "3.3" => "parity_check",
  "3.4" => "cycle_navigation", "3.5" => "stack_manipulation", "3.6" => "reverse_string",
  "3.7" => "modular_arithmetic_brackets", "3.8" => "solve_equation", "3.9" => "duplicate_string",
  "3.10" => "missing_duplicate_string", "3.11" => "odds_first", "3.12" => "binary_addition",
  "3.13" => "binary_multiplication", "3.14" => "compute_sqrt", "3.15" => "bucket_sort");
my %family_of_section = ("3.1" => "regular", "3.2" => "regular", "3.3" => "regular", "3.4" => "regular",
  "3.5" => "dcf", "3.6" => "dcf", "3.7" => "dcf", "3.8" => "dcf");
my %family_anchor = (regular => "regular-tasks", dcf => "deterministic-context-free-tasks",
  cs => "context-sensitive-tasks");
my %encoding_section = (
  "0" => "where-biases-go", "1" => "nope", "2" => "sinusoidal", "3" => "learned", "4" => "rope",
  "4b" => "xpos", "5" => "alibi", "6" => "t5", "7" => "kerple_log", "8" => "fire",
  "9" => "randomized-encodings", "10" => "cope", "11" => "dape", "12" => "bipe", "13" => "mep");
my %memory_section = ("1" => "tasks.md#flip_flop", "1.2" => "tasks.md#flip_flop",
  "2.1" => "encodings.md#cope", "2.3" => "tasks.md#selective_copy", "2.4" => "tasks.md#counting",
  "3" => "tasks.md#selective_copy");
my %design_section = (
  "1.1" => "architecture.md#layout", "1.2" => "architecture.md#command-line",
  "1.3" => "tasks.md#sample-output", "1.4" => "architecture.md#result-file-schema",
  "1.5" => "architecture.md#suites", "3" => "architecture.md#data-flow",
  "3.1" => "tasks.md#the-task-interface", "3.2" => "architecture.md#the-model",
  "3.3" => "architecture.md#the-harness", "3.4" => "architecture.md#tests");

my %encoding_names = map { $_ => 1 } qw(alibi bipe_alibi bipe_rope cope dape_alibi dape_fire dape_kerple
  fire kerple_log kerple_power learned mep mep_param nope rand_alibi rand_learned rand_rope
  rand_sinusoidal rand_txl rope sinusoidal t5 txl xpos);

sub chomsky_target {
  my ($section) = @_;
  return "tasks.md#chomsky-hierarchy-tasks" unless defined $section;
  my ($first, $last) = split /-/, $section;
  if (defined $last) {   # a range of tasks: their family, if they share one
    my ($f1, $f2) = map { $family_of_section{$_} // (/^3\.\d+$/ ? "cs" : "") } ($first, $last);
    return $f1 ne "" && $f1 eq $f2 ? "tasks.md#$family_anchor{$f1}" : "tasks.md#chomsky-hierarchy-tasks";
  }
  return "tasks.md#$chomsky_task{$first}" if $chomsky_task{$first};
  return "tasks.md#paper-versus-reference-code" if $first =~ /^1\.8/;
  return "encodings.md#txl" if $first eq "4";
  return "tasks.md#the-reference-model" if $first eq "5";
  return "tasks.md#chomsky-hierarchy-tasks";
}

# The rules of the old "§2", placed by folder and by the words around them.
sub semantics_target {
  my ($file, $line) = @_;
  if ($file =~ m{^models/} || $file =~ m{^tests/test_encoding}) {
    return "encodings.md#randomized-encodings" if $file =~ /random_positions/ || $line =~ /sampled|test time/;
    return "encodings.md#where-biases-go" if $line =~ /scaling/;
    return "encodings.md#parameter-sharing" if $line =~ /per layer/;
    return "encodings.md#xpos" if $file =~ /xpos/;
    return "encodings.md#bidirectional-attention";
  }
  return "encodings.md#xpos" if $line =~ /xPos|xpos/;
  if ($file =~ m{^tasks/} || $file =~ m{^tests/test_(?:che_)?tasks}) {
    return "tasks.md#chomsky-hierarchy-tasks" if $file =~ /che_task|test_che_tasks/;
    return "tasks.md#flip_flop" if $file =~ /flip_flop/;
    return "tasks.md#paper-versus-reference-code";
  }
  return "architecture.md#scores";
}

# One citation (its first atom decides) -> a docs/ reference.
sub target_for {
  my ($file, $citation, $line) = @_;
  my ($stem) = $file =~ m{([^/]+)\.(?:cpp|hpp)$};
  $stem //= "";
  if ($citation =~ /^DESIGN(?:\.md)?\s*§\s*([0-9.]+)/) {
    my $section = $1;
    return semantics_target($file, $line) if $section eq "2";
    return "tasks.md#chomsky-hierarchy-tasks" if $file =~ /test_che_tasks/;
    return "architecture.md#exit-statuses" if $section eq "1.2" && $file =~ /errors\.hpp$/;
    return "architecture.md#scores" if $section eq "1.4" && $file =~ /evaluator/;
    return "architecture.md#encoding-hook-points" if $section eq "3.2" && $file =~ /encoding\.hpp$/;
    return "extending.md#adding-a-task" if $section eq "3.1" && $file =~ /test_task_plugin/;
    return $design_section{$section} // "architecture.md";
  }
  # A plugin citing its own entry of the old notes: its catalogue section.
  if ($citation !~ m{^specs\s*§} && $file =~ m{^models/encodings/} && $encoding_names{$stem}) {
    return "encodings.md#$stem";
  }
  if ($citation =~ m{^specs/} && $file =~ m{^tasks/[a-z]+/} && $citation =~ /tasks-(?:chomsky|memory)/) {
    return "tasks.md#$stem" if $stem ne "" && $file !~ /bracket_expression|binary_number|binary_operands/;
  }
  if ($citation =~ m{(?:^|/)encodings\.md(?:\s*§\s*([0-9]+[a-z]?))?}) {
    return defined $1 && $encoding_section{$1} ? "encodings.md#$encoding_section{$1}" : "encodings.md";
  }
  my @sections = $citation =~ /§\s*([0-9](?:[0-9.a-z\-]*[0-9a-z])?)/g;
  if ($citation =~ m{tasks-chomsky\.md}) {
    return chomsky_target($sections[0]) if @sections <= 1;
    my %families = map { (($family_of_section{$_} // "cs") => 1) } grep { /^3\.\d+$/ } @sections;
    my @families = keys %families;
    return @families == 1 ? "tasks.md#$family_anchor{$families[0]}" : "tasks.md#chomsky-hierarchy-tasks";
  }
  if ($citation =~ m{tasks-memory\.md}) {
    return @sections == 1 && $memory_section{$sections[0]} ? $memory_section{$sections[0]} : "tasks.md#memory-tasks";
  }
  if ($citation =~ m{^specs\s*§\s*([0-9][0-9.a-z\-]*)}) {   # "specs §N": the note of the file it sits in
    my $section = $1;
    if ($file =~ m{^models/}) { return $encoding_section{$section} ? "encodings.md#$encoding_section{$section}" : "encodings.md"; }
    return chomsky_target($section);
  }
  return undef;
}

my $ws = qr{(?:[ \t]*\n[ \t]*//[ \t]*|[ \t]+)};          # a space, or a comment line break
my $section = qr{§[ \t]*[0-9]+(?:\.[0-9]+)*[a-z]?(?:-[0-9]+(?:\.[0-9]+)*)?};
my $note = qr{(?:specs/)?(?:encodings|tasks-chomsky|tasks-memory|style-anchors)\.md};
# A bare note name ("tasks-chomsky.md") counts only with a section number, so
# that the names of the new pages ("encodings.md" in docs/ paths) are left alone.
my $atom = qr{(?:DESIGN(?:\.md)?$ws?$section|specs/[\w.-]+\.md(?:$ws$section)?|(?<![\w/])$note$ws$section|specs$ws$section)};
# Further sections cited with the first ("§11 and §5", "§3.2, §3.7", "§9, tasks-chomsky.md §4").
my $more = qr{(?:(?:,|$ws?and)$ws(?:$atom|$section)|$ws$section)};

my $changed_files = 0;
for my $file (@ARGV) {
  local $/; open(my $in, "<:encoding(UTF-8)", $file) or die "cannot read $file\n";
  my $text = <$in>; close $in;
  my $before = $text;
  # A citation that ran over a comment line break keeps the break, after the
  # punctuation that closes it, so no line grows by the length of the old one.
  $text =~ s{(?<![\w/#])($atom(?:$more)*)([)\]:;,.]*)([ \t]?)}{
    my ($citation, $punctuation, $space) = ($1, $2, $3);
    my $start = $-[0];
    my $line_start = rindex($text, "\n", $start) + 1;
    my $line_end = index($text, "\n", $start); $line_end = length $text if $line_end < 0;
    my $target = target_for($file, $citation, substr($text, $line_start, $line_end - $line_start));
    my ($line_break) = $citation =~ /(\n[ \t]*\/\/[ \t]*)/;
    !defined $target ? "$citation$punctuation$space"
      : defined $line_break && $space ne "" ? "docs/$target$punctuation$line_break"
      : "docs/$target$punctuation$space";
  }ge;
  $text =~ s{\bthe DESIGN\x27s\b}{the benchmark\x27s}g;   # "the DESIGN\x27s mean over the OOD lengths"
  next if $text eq $before;
  open(my $out, ">:encoding(UTF-8)", "$file.rewrite.tmp") or die "cannot write $file\n";
  print $out $text; close $out;
  rename "$file.rewrite.tmp", $file or die "cannot replace $file\n";
  $changed_files++;
  print "$file\n";
}
print STDERR "rewrite_references: $changed_files files changed\n";
' "${files[@]}"
