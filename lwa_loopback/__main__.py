from ._quick import main

main()
