"""The partner portal: its contract, the resilient client, and the local emulator."""
