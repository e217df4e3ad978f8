"""Shareframe infrastructure: the CloudFormation template and the local cloud."""
