from ._cli._quick import main

main()
