"""What leaves the dashboard: case-list exports, the monthly report, demo mode's masked view, generated docs."""
