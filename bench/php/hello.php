<?php
// bench "hello": the smallest answer, a 14-byte body.
header('Content-Type: text/plain');
echo "Hello, world!\n";
