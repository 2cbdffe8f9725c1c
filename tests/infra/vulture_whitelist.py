"""Names vulture reports as unused that are used: vulture reads this file with the code
(tests/infra/test_dead_code.py) and counts every name below as used. Never imported.

Chalice routes are left out by the test itself (``--ignore-decorators @endpoint``: the
decorator registers them). Each entry says who uses the name; an entry whose code is gone
should go too.
"""
# ruff: noqa
# mypy: ignore-errors
_: object

# -- frameworks and the standard library call or read these ---------------------------
_.cors  # app.py: Chalice reads app.api.cors when it builds the API's answers
_.core_fonts_encoding  # invoice_pdf.py: fpdf2 reads it to encode text in the core fonts
_.footer  # invoice_pdf.py: fpdf2 calls FPDF.footer() on every page
_.redirect_request  # payfip/client.py, fake_payfip.py: urllib's HTTPRedirectHandler hook
req, fp, msg, newurl  # ...its parameters, named as urllib names them (unused: no redirect)
_.StartDoctypeDeclHandler  # payfip/wire.py: expat calls these handlers while parsing
_.EntityDeclHandler
_.UnparsedEntityDeclHandler
_.ExternalEntityRefHandler
_.request_queue_size  # devstack.py, fake_payfip.py: socketserver reads these
_.daemon_threads
_.protocol_version  # devstack.py, fake_payfip.py: http.server reads these
_.server_version
_.close_connection
_.do_GET  # devstack.py, fake_payfip.py: http.server calls do_<METHOD>
_.do_HEAD
_.do_POST
_.do_PUT
_.do_PATCH
_.do_DELETE
_.do_OPTIONS
_.external_attr  # package.py: zipfile writes a ZipInfo's attributes into the archive
_.compress_type
disable_nagle_algorithm  # devstack.py: socketserver's StreamRequestHandler reads it

# -- PynamoDB reads these -----------------------------------------------------------------
_.connect_timeout_seconds  # models.py _Meta: PynamoDB's connection settings
_.read_timeout_seconds
_.index_name  # models.py: each index's Meta names and projects it
_.projection
scope  # models.py: stored attributes and keys, written through the models' constructors
locked_at  # (keyword arguments) and read by DynamoDB queries on the keys and indexes
run_key
created_key

# -- titres de recette: built and tested in the domain, not wired yet --------------------
# README "Not yet: collection through titres de recette": the ORMC rôle and the
# Treasury's acknowledgement are tested (tests/domain/test_pes*.py, test_collection.py)
# before the services issue and import them.
ormc_file
read_acknowledgement
_.bordereau_accepted
_.after_roll
attachment_id  # pes.Acknowledgement: the acknowledgement's IdUnique, kept as parsed

# -- used by the tests, as a part of the product's surface ---------------------------------
_.attendance_repository  # wiring.Container: tests record attendance through it
meta_content_security_policy  # site_headers.py: tests/site checks each page's <meta> CSP
STAGE_SETTINGS  # infra/template.py: with LOCAL_ONLY_SETTINGS, where each setting goes;
LOCAL_ONLY_SETTINGS  # tests/infra/test_template.py checks every setting is placed once
requests_only  # scripts/bench/requests_counter.py: tests/requests_counter.py tallies with it
_.wait_for_notifications  # fake_payfip.py: tests/payfip wait for the fake's notifications

# -- read by people -----------------------------------------------------------------------
_.evidence  # bench_bill.py Price: where each price was read (docs/performance.md points
_.free_tier_note  # to PRICES for it), and what the free tier is
