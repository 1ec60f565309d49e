"""gunicorn settings read from the working directory: access logs, if switched on, carry no client data.

gunicorn's default access-log format starts with the client address (%(h)s) and ends with the user
agent (%(a)s); Outreach never stores either, logs included. This format keeps time, request line,
status, size and duration only.
"""

access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'
