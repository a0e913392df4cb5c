from sro.live.fast import main

main()
