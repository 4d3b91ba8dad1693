"""Reports for managers and admins: digital capability, team progress, exports."""
