"""The local cloud: the unchanged backend on one machine.

moto server stands in for the AWS APIs, mosquitto for AWS IoT Core, and a few small adapters do
what AWS would do around them (iot-data publish, schedules, queue and topic-rule triggers).
Entry point: ``python -m infra.localcloud up``.
"""
