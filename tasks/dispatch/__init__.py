"""Starting Prefect runs for stored webhook events, shared by the receiver and by reconcile."""
