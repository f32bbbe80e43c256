"""Problem reports: anyone may say a listing is wrong; its editors and the directory team put it right."""
