print("luafcgid")
