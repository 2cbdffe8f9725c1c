"""Measurements behind `make bench`: DynamoDB requests per action, job runs, the
package, the home page, load and the monthly bill."""
