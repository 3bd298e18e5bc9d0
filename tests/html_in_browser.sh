#!/usr/bin/env bash
# Loads HTML reports in headless Chromium and checks what a reader would see:
# no JavaScript errors, no horizontal overflow at 1280 px, every chart
# (figure.chart) has its SVG. Reports: the shipped results/quick and a fresh
# small schema-2 run (several seeds: bands, chance levels, hatching).
# With PEBENCH_SCREENSHOTS=1, screenshots at 1280 and 800 px are left in OUT
# for a person to look at (they check nothing and take three quarters of the
# time, so CTest runs without them).
# Usage: html_in_browser.sh PEBENCH CHROMIUM SOURCE_DIR OUT
set -euo pipefail
pebench=$1 chromium=$2 source_dir=$3 out=$4
rm -rf "$out"
mkdir -p "$out"

"$pebench" run --suite smoke --encodings nope,alibi,rope,rand_rope,cope,sinusoidal --seeds 0-1 \
  --out "$out/smoke" --threads 1 >/dev/null 2>&1
"$pebench" report "$source_dir/results/quick" --out "$out/quick.html" 2>/dev/null
"$pebench" report "$out/smoke" --out "$out/smoke.html" 2>/dev/null

# Runs before the page's own script: records errors, then measures after load.
checker="<script>window.__errs=[];window.addEventListener('error',function(e){__errs.push(String(e.message));});
var __ce=console.error;console.error=function(){__errs.push([].join.call(arguments,' '));__ce.apply(console,arguments);};
window.addEventListener('load',function(){var figs=document.querySelectorAll('figure.chart'),missing=0;
figs.forEach(function(f){if(!f.querySelector('svg'))missing++;});
var over=document.documentElement.scrollWidth-window.innerWidth;var p=document.createElement('pre');p.id='pebench-check';
p.textContent='CHECK figures='+figs.length+' missing_svg='+missing+' overflow='+over+' errors='+__errs.length+' '+__errs.join(' | ');
document.body.appendChild(p);});</script>"

status=0
for page in quick smoke; do
  page_text=$(cat "$out/$page.html")
  printf '%s\n' "${page_text/<head>/<head>$checker}" > "$out/$page.checked.html"
  # --virtual-time-budget lets the load event fire before the DOM is dumped.
  line=$("$chromium" --headless --no-sandbox --disable-gpu --window-size=1280,900 --virtual-time-budget=10000 \
           --dump-dom "file://$out/$page.checked.html" 2>/dev/null | grep -o 'CHECK figures=[0-9][^<]*' || true)
  echo "$page: ${line:-no result (page did not load)}"
  if ! [[ "$line" =~ figures=([0-9]+)\ missing_svg=0\ overflow=(-?[0-9]+)\ errors=0 ]] ||
     [ "${BASH_REMATCH[1]}" -lt 5 ] || [ "${BASH_REMATCH[2]}" -gt 0 ]; then
    status=1
  fi
  [ "${PEBENCH_SCREENSHOTS:-0}" = 1 ] || continue
  for width in 1280 800; do
    "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=$width,5000 \
      --screenshot="$out/$page-$width.png" "file://$out/$page.html" >/dev/null 2>&1 || true
  done
done
[ "${PEBENCH_SCREENSHOTS:-0}" = 1 ] && echo "screenshots: $out/*.png"
exit $status
