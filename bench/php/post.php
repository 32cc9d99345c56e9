<?php
// bench "post": read the whole request body, answer with its length.
$body = file_get_contents('php://input');
header('Content-Type: text/plain');
echo strlen($body), "\n";
