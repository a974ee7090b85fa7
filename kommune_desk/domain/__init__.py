"""Pure business rules: records, workflow, deadlines, fees, booking. No Qt, no SQL."""
