<?php
// bench "page": a counter (in APCu: PHP keeps no state between requests)
// plus a 50-row table, about 2.6 KB of HTML built with implode.
// Same bytes as bench/lua/page.lua.
$count = apcu_inc('bench_page_count', 1, $ok);
if (!$ok) {
    apcu_store('bench_page_count', 1);
    $count = 1;
}
$parts = [
    "<!DOCTYPE html>\n",
    "<html><head><title>luafcgid bench</title></head><body>\n",
    "<h1>Squares</h1>\n",
    "<p>Request ", $count, " of this process.</p>\n",
    "<table>\n",
    "<tr><th>n</th><th>name</th><th>square</th></tr>\n",
];
for ($i = 1; $i <= 50; $i++) {
    $parts[] = "<tr><td>" . $i . "</td><td>item " . $i . "</td><td>" . $i * $i . "</td></tr>\n";
}
$parts[] = "</table>\n</body></html>\n";
header('Content-Type: text/html');
echo implode('', $parts);
