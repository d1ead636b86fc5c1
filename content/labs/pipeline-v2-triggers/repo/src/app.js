// Refreshes the status every minute.
setInterval(() => location.reload(), 60000);
