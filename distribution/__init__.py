"""Issued issues reaching their readers: the portal, receipts (read, downloaded, 签收) and email notices."""
