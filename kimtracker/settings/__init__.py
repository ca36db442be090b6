"""Settings split by environment: ``base`` holds everything shared; ``local``, ``test`` and
``production`` adjust it. Every value that differs between machines is read from the environment
(see ``.env.example``)."""
